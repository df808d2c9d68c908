"""Solutions to the exercises of 01_proto_cnns, for teachers.

`make solutions` copies the notebook into build/solutions/, puts the `# %% stub` cell below in place of the
notebook's cell tagged `stub` and the `# %% answers` cell in place of its cell tagged `answers`, runs it, and checks
that every check prints Right. The tests check the stub cell's functions with the same checkers.
"""

# %% stub
import torch.nn.functional as F


def shared_forward(x, kernel, bias, stride):
    # exercise 5: every patch (a column of unfold) times the one kernel, plus the one bias
    out_channels, k = kernel.shape[0], kernel.shape[-1]
    n = (x.shape[-1] - k) // stride + 1
    patches = F.unfold(x, k, stride=stride)                 # (N, C*k*k, n*n)
    out = kernel.reshape(out_channels, -1) @ patches        # (N, O, n*n)
    return out.reshape(len(x), out_channels, n, n) + bias[:, None, None]


# %% answers
# exercise 1: 4 maps of 4x4 units, each linked to a 5x5 patch of both H1 maps and to its bias;
# the weights are 4 shared kernels of 2x5x5 and one bias per unit
check_net5_h2(links=4 * 4 * 4 * (2 * 5 * 5 + 1), weights=4 * 2 * 5 * 5 + 4 * 4 * 4)

# exercise 2: Net-4's two first-level maps keep their kernels but trade 8x8 biases each for one
check_shared_bias_weights(count_parameters(Net4()) - 2 * 8 * 8 + 2)


# exercise 3: Net-5's forward pass, with twice the maps at each level
class Net6(Net5):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=3, stride=2, bias=False)   # 4 shared 3x3 kernels
        self.bias1 = UnitBias((4, 8, 8))
        self.conv2 = nn.Conv2d(4, 8, kernel_size=5, stride=2, bias=False)   # 8 shared 4x5x5 kernels
        self.bias2 = UnitBias((8, 4, 4))
        self.out = nn.Linear(8 * 4 * 4, 10)


check_net6(Net6())
for name, (train_mean, _, test_mean, test_std) in summarise(train_all(moved_digits, {"Net5": Net5, "Net6": Net6})[0]).items():
    print(f"{name}: train {train_mean:.1f}%, test {test_mean:.1f} ± {test_std:.1f}% on moved digits")

# exercise 4: count the nets that still read a 3 once it moves to the corner
moved = shift(answer.image + 1, -2, -2) - 1
still = sum(digit == 3 for digit in predict_drawing(centred_nets, moved).predictions.values())
check_uncentred_votes(still, centred_nets, answer.image)

# exercise 5
check_shared_forward(shared_forward)
