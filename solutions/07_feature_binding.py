"""Solutions to the exercises of 07_feature_binding, for teachers (see solutions/01_proto_cnns.py for how they are
used)."""

# %% stub
def my_bag_of_features(maps):
    """Exercise 4: maps (N, C, H, W) -> bag of features (N, C), each map's average over its positions."""
    return maps.mean(dim=(2, 3))


# %% answers
# exercise 1: the stem of the 1-7-4 path; its top bar curls down into a closed loop: a 7 becomes a 9
seven_nine = moving_path("7-9", {"stem": line((0.62, 0.0), (0.48, 1.0))}, "top",
                         [line((0.1, 0.0), (0.62, 0.0)), arc(0.38, 0.26, 0.26, 0.26, -90, 270, 33)], ("7", "9"))
check_path(model, seven_nine)

# exercise 2: where p(6) - p(5) turns positive, interpolated between the two steps around it
five_six = sweeps["5-6"]
gap = five_six.probabilities[:, 6] - five_six.probabilities[:, 5]
i = int(torch.nonzero(gap > 0)[0])
t0, t1, g0, g1 = float(five_six.t[i - 1]), float(five_six.t[i]), float(gap[i - 1]), float(gap[i])
check_crossing(five_six, t0 + (t1 - t0) * -g0 / (g1 - g0))

# exercise 3: the cosine of the 9's and the 6's bags, after each pooling
alike = {layer: float(torch.cosine_similarity(my_bag_of_features(views["9-6"][layer][:1]),
                                              my_bag_of_features(views["9-6"][layer][-1:])))
         for layer in ("pool1", "pool2")}
print(alike)
check_bag_answer(views["9-6"], "more" if alike["pool2"] > alike["pool1"] else "less")

check_bag_of_features(my_bag_of_features)   # exercise 4
