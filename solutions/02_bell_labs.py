"""Solutions to the exercises of 02_bell_labs, for teachers (see solutions/01_proto_cnns.py for how they are used)."""

# %% stub
import torch.nn.functional as F


def table_conv(x, weight, table, stride=1, padding=0, pad_value=0.0):   # exercise 5
    mask = table[:, :, None, None].to(weight.dtype)           # (out, in) -> (out, in, 1, 1)
    return F.conv2d(F.pad(x, (padding,) * 4, value=pad_value), weight * mask, stride=stride)


# %% answers
# exercise 1: (16 - 5) // 2 + 1 = 6; 12 maps of 6x6 units, each with 25 weights and a bias
size = (16 - 5) // 2 + 1
check_bell_labs(1, (size, 12 * size * size * (5 * 5 + 1)))

# exercise 2: H1's 12 maps of 8x8 and H2's 12 maps of 4x4 keep one bias per map instead of one per unit
check_bell_labs(2, 9_760 - 12 * 8 * 8 - 12 * 4 * 4 + 12 + 12)


# exercise 3: one position for the first 32 pixels, one more for every further 4 (two poolings of 2)
def positions(width):
    return (width - 32) // 4 + 1


check_bell_labs(3, positions)

# exercise 4: rows are H2's maps, columns the H1 maps they read
table = torch.zeros(12, 12, dtype=torch.bool)
table[0:4, 0:8] = True
table[4:8, 4:12] = True
table[8:12, 0:4] = True
table[8:12, 8:12] = True
check_bell_labs(4, table)
set_seed(0)
karpathy = fit(ZipCodeNet1989(table=table), train, test, epochs=passes, lr=rate, batch_size=batch, momentum=0.0,
               loss_fn=mse_pm1, seed=0, progress=False)
print(f"test error {100 - karpathy.test_accuracy[-1]:.2f}% against {era_test_err:.2f}% with the paper's table "
      f"(noise: about ±{(era_test_err * (100 - era_test_err) / len(test[1])) ** 0.5:.1f} points)")

# exercise 5
check_table_conv(table_conv)
