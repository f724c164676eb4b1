"""A tiny register machine: instructions as tuples, handlers as bound
methods in a dict, a program counter loop until halt."""
import sys


class CPU:
    def __init__(self, program):
        self.prog = program
        self.reg = [0] * 4
        self.pc = 0
        self.handlers = {"set": self.op_set, "add": self.op_add,
                         "dec": self.op_dec, "jnz": self.op_jnz}

    def op_set(self, r, v):
        self.reg[r] = v

    def op_add(self, r, s):
        self.reg[r] += self.reg[s]

    def op_dec(self, r, _):
        self.reg[r] -= 1

    def op_jnz(self, r, target):
        if self.reg[r]:
            self.pc = target - 1

    def run(self):
        n = 0
        prog = self.prog
        while self.pc < len(prog):
            op, a, b = prog[self.pc]
            self.handlers[op](a, b)
            self.pc += 1
            n += 1
        return n


def main():
    count = int(sys.argv[1])
    prog = [("set", 0, count), ("set", 1, 0), ("set", 2, 3),
            ("add", 1, 2), ("dec", 0, 0), ("jnz", 0, 3)]
    cpu = CPU(prog)
    print(cpu.run(), cpu.reg)


if __name__ == "__main__":
    main()
