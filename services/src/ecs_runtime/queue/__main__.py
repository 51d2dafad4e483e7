from ecs_runtime.queue import run

if __name__ == "__main__":
    run()
