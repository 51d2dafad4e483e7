from ecs_runtime.upload import run

if __name__ == "__main__":
    run()
