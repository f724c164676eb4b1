import random
import statistics
from collections import Counter

random.seed(7)
values = [random.gauss(0, 1) for _ in range(200000)]
words = [random.choice("abcdefgh") * random.randint(1, 4) for _ in range(50000)]
counts = {}
for w in words:
    counts[w] = counts.get(w, 0) + 1
ordered = sorted(values)
print(statistics.mean(values), statistics.median(values), statistics.stdev(values))
print(ordered[0], len(counts), Counter(words).most_common(1))
