#!/usr/bin/python3
"""Reference NMI and AMI values from scikit-learn for
framework/eval/clustering_test.cc (SklearnReferenceTest).

scikit-learn is not part of this repository and is never built into it. Run
with Debian's python3-sklearn (1.2.1 on Debian 12), not a pyenv python:

    apt-get install -y python3-sklearn
    /usr/bin/python3 tools/sklearn_reference/make_clustering_references.py

It prints one line per case: name, n, classes, clusters, NMI and AMI
(normalized_mutual_info_score and adjusted_mutual_info_score with their
defaults, average_method="arithmetic") to 17 significant digits, and a C++
initializer to paste into the test. Each case's label vectors are given by the
same formulas in the test (Case() there), so both sides use the same labels.
"""
import sklearn
from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score


def cases():
    """(name, labels_true, labels_pred); keep in sync with clustering_test.cc."""
    yield ("worked_2x2", [0, 0, 1, 1], [0, 0, 0, 1])
    yield ("unequal_3_vs_4", [0, 0, 0, 1, 1, 1, 2, 2, 2, 2], [1, 1, 0, 0, 3, 3, 3, 2, 2, 2])
    yield ("independent_balanced", [i % 2 for i in range(8)], [(i // 2) % 2 for i in range(8)])
    yield ("arbitrary_label_values", [-5, 100, 100, 7, -5, 7], [3, 3, 9, 9, 1, 1])
    # 12 classes of 20; every 5th item is put in one of 15 clusters.
    yield ("twelve_classes_noisy", [i % 12 for i in range(240)],
           [(i // 5) % 15 if i % 5 == 0 else i % 12 for i in range(240)])
    # 50 classes of 3 against 41 scattered clusters: near independence.
    yield ("fifty_small_classes", [i // 3 for i in range(150)], [(i * 37) % 41 for i in range(150)])
    # 10 classes of 100 against 7 clusters: long hypergeometric sums.
    yield ("ten_classes_seven_clusters", [i % 10 for i in range(1000)],
           [(i // 3 + i // 7) % 7 for i in range(1000)])
    # 10 classes, one cluster per class except classes 8 and 9, merged.
    yield ("ten_classes_merged", [i // 30 for i in range(300)],
           [min(i // 30, 8) for i in range(300)])


def main():
    print("# scikit-learn", sklearn.__version__)
    rows = []
    for name, t, p in cases():
        nmi = normalized_mutual_info_score(t, p)
        ami = adjusted_mutual_info_score(t, p)
        print(f"{name} n={len(t)} classes={len(set(t))} clusters={len(set(p))} "
              f"nmi={nmi!r} ami={ami!r}")
        rows.append(f'    {{"{name}", {nmi:.17g}, {ami:.17g}}},')
    print("\n".join(rows))


if __name__ == "__main__":
    main()
