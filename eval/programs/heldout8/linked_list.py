"""A singly linked list class with __iter__ and __len__: built from random
numbers, reversed in place, merge-sorted, and summed through its iterator."""
import argparse
import random


class Node:
    __slots__ = ("value", "next")

    def __init__(self, value, next=None):
        self.value = value
        self.next = next


class LinkedList:
    def __init__(self, values=()):
        self.head = None
        self.size = 0
        for v in reversed(list(values)):
            self.push_front(v)

    def push_front(self, v):
        self.head = Node(v, self.head)
        self.size += 1

    def __len__(self):
        return self.size

    def __iter__(self):
        node = self.head
        while node is not None:
            yield node.value
            node = node.next

    def reverse(self):
        prev = None
        node = self.head
        while node is not None:
            nxt = node.next
            node.next = prev
            prev = node
            node = nxt
        self.head = prev

    def sort(self):
        self.head = merge_sort(self.head)


def split(head):
    slow, fast = head, head.next
    while fast is not None and fast.next is not None:
        slow = slow.next
        fast = fast.next.next
    mid = slow.next
    slow.next = None
    return head, mid


def merge(a, b):
    dummy = tail = Node(None)
    while a is not None and b is not None:
        if a.value <= b.value:
            tail.next, a = a, a.next
        else:
            tail.next, b = b, b.next
        tail = tail.next
    tail.next = a if a is not None else b
    return dummy.next


def merge_sort(head):
    if head is None or head.next is None:
        return head
    a, b = split(head)
    return merge(merge_sort(a), merge_sort(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(5)
    for r in range(args.repeat):
        ll = LinkedList(rng.random() for _ in range(args.n))
        ll.reverse()
        ll.sort()
        total = sum(ll)
        print(r, len(ll), round(total, 3))


if __name__ == "__main__":
    main()
