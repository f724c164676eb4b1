"""A small stack virtual machine: an instruction list run by a class whose
opcodes dispatch through a dict of bound methods."""
import sys


class VM:
    def __init__(self, code):
        self.code = code
        self.stack = []
        self.vars = {}
        self.pc = 0
        self.ops = {
            "push": self.op_push,
            "load": self.op_load,
            "store": self.op_store,
            "add": self.op_add,
            "mul": self.op_mul,
            "lt": self.op_lt,
            "jz": self.op_jz,
            "jmp": self.op_jmp,
        }

    def op_push(self, arg):
        self.stack.append(arg)

    def op_load(self, arg):
        self.stack.append(self.vars[arg])

    def op_store(self, arg):
        self.vars[arg] = self.stack.pop()

    def op_add(self, arg):
        b = self.stack.pop()
        self.stack.append(self.stack.pop() + b)

    def op_mul(self, arg):
        b = self.stack.pop()
        self.stack.append(self.stack.pop() * b)

    def op_lt(self, arg):
        b = self.stack.pop()
        self.stack.append(self.stack.pop() < b)

    def op_jz(self, arg):
        if not self.stack.pop():
            self.pc = arg

    def op_jmp(self, arg):
        self.pc = arg

    def run(self):
        steps = 0
        code = self.code
        while self.pc < len(code):
            op, arg = code[self.pc]
            self.pc += 1
            self.ops[op](arg)
            steps += 1
        return steps


def program(n):
    # i = 0; s = 0; while i < n: s = s + i * i; i = i + 1
    return [
        ("push", 0), ("store", "i"), ("push", 0), ("store", "s"),
        ("load", "i"), ("push", n), ("lt", None), ("jz", 18),
        ("load", "s"), ("load", "i"), ("load", "i"), ("mul", None),
        ("add", None), ("store", "s"),
        ("load", "i"), ("push", 1), ("add", None), ("store", "i"),
    ][:18] + [("jmp", 4)]


def main():
    n = int(sys.argv[1])
    code = program(n)
    code[7] = ("jz", len(code))
    vm = VM(code)
    steps = vm.run()
    print("steps", steps, "s", vm.vars["s"])


if __name__ == "__main__":
    main()
