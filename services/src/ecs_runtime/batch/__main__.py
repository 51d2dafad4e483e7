from ecs_runtime.batch import run

if __name__ == "__main__":
    run()
