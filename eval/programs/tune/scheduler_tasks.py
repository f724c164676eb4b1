"""Round-robin task scheduler with a small class hierarchy (method dispatch)."""
import sys


class Task:
    def __init__(self, tid, work):
        self.tid = tid
        self.work = work
        self.done = 0

    def step(self):
        raise NotImplementedError


class CpuTask(Task):
    def step(self):
        self.done += 3
        return self.done >= self.work


class IoTask(Task):
    def step(self):
        self.done += 1
        return self.done >= self.work


class Scheduler:
    def __init__(self):
        self.queue = []
        self.finished = 0
        self.ticks = 0

    def add(self, task):
        self.queue.append(task)

    def run(self):
        while self.queue:
            task = self.queue.pop(0)
            self.ticks += 1
            if task.step():
                self.finished += 1
            else:
                self.queue.append(task)


def main(n):
    s = Scheduler()
    for i in range(n):
        if i % 3 == 0:
            s.add(IoTask(i, 40))
        else:
            s.add(CpuTask(i, 90))
    s.run()
    print(s.finished, s.ticks)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
