"""Event-log analytics in numpy: unique users, per-user counts with
np.unique, sessionisation by time gaps with np.diff/np.cumsum, argsort."""
import argparse

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--users", type=int, default=100_000)
    a = ap.parse_args()
    rng = np.random.default_rng(9)
    user = rng.integers(0, a.users, size=a.events)
    t = np.sort(rng.uniform(0, 86400 * 7, size=a.events))
    order = np.argsort(user, kind="stable")
    user_s, t_s = user[order], t[order]
    uniq, counts = np.unique(user_s, return_counts=True)
    gap = np.diff(t_s) > 1800
    new_user = np.diff(user_s) != 0
    session_id = np.concatenate([[0], np.cumsum(gap | new_user)])
    sessions = session_id[-1] + 1
    busiest = uniq[np.argmax(counts)]
    print(len(uniq), sessions, busiest, float(np.mean(counts)))


if __name__ == "__main__":
    main()
