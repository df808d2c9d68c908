"""Solutions to the exercises of 06_sliding_window, for teachers (see solutions/01_proto_cnns.py for how they are
used)."""

# %% stub
import torch

from helpers.sliding_window_strips import NONE


def field_labels(x, centres, digits, blank, far=5.0):
    """Exercise 4: the class of each window centred at x: a digit, NONE, or -1 (left out)."""
    distance = (x[:, None] - centres[None, :]).abs()    # (m, k)
    nearest, which = distance.min(1)
    labels = torch.full(x.shape, -1, dtype=torch.long)  # in between: left out of the loss
    labels[blank | (nearest >= far)] = NONE
    near = nearest <= 2
    labels[near] = digits[which[near]]
    return labels


# %% answers
field = receptive_field(tiny_1d())                         # exercise 1: 10 inputs per output, 4 apart
outputs = (50 - field.size) // field.stride + 1
first = (outputs - 1) * field.stride
check_one_d(50, outputs, (first, first + field.size - 1))
check_narrowest_strip(20, 32 + 4 * (20 - 1))   # exercise 2: 32 pixels for the first column, 4 for each further one

# exercise 3: other thresholds on p(none); on the default data none beats 0.5, the best ties it: the strings
# still misread hold misread digits, which no decoding rule repairs
baseline = reading_accuracy(reader, strips[:200]).string_accuracy
tried = {t: reading_accuracy(reader, strips[:200], decoder=lambda p, t=t: decode(p, threshold=t)).string_accuracy
         for t in (0.3, 0.4, 0.6, 0.7, 0.8, 0.9)}
print({t: f"{a:.1f}%" for t, a in tried.items()}, f"against {baseline:.1f}% at 0.5")
best = max(tried, key=tried.get)
check_decoder(lambda p: decode(p, threshold=best), reader, strips[:200], baseline=baseline)

check_field_labels(field_labels)               # exercise 4
