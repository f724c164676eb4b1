"""A singly linked list of nodes: build, reverse, sum, repeatedly."""
import sys


class Node:
    def __init__(self, value, nxt=None):
        self.value = value
        self.next = nxt


class LinkedList:
    def __init__(self):
        self.head = None
        self.size = 0

    def push(self, value):
        self.head = Node(value, self.head)
        self.size += 1

    def reverse(self):
        prev, cur = None, self.head
        while cur is not None:
            cur.next, prev, cur = prev, cur, cur.next
        self.head = prev

    def total(self):
        s, cur = 0, self.head
        while cur is not None:
            s += cur.value
            cur = cur.next
        return s


def main(n, rounds):
    ll = LinkedList()
    for i in range(n):
        ll.push(i * 3 % 1001)
    acc = 0
    for _ in range(rounds):
        ll.reverse()
        acc += ll.total()
    print(ll.size, acc)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
    main(n, 5)
