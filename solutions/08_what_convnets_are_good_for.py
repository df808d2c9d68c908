"""Solutions to the exercises of 08_what_convnets_are_good_for, for teachers (see solutions/01_proto_cnns.py for how
they are used)."""

# %% stub
import copy

import torch


def unpermuted_twin(net, perm):
    """Exercise 5: a new FCNet with twin(images) == net(permute_pixels(images, perm)); net unchanged."""
    twin = copy.deepcopy(net)
    with torch.no_grad():   # column perm[j] of the twin's first layer is column j of net's: undo it with the inverse
        twin.fc1.weight.copy_(net.fc1.weight[:, perm.argsort()])
    return twin


# %% answers
# exercise 1: each of conv2's 8x8 positions of each of its 6 maps gets its own 6x5x5 weights and bias
check_unshared_conv2(8 * 8 * 6 * (6 * 5 * 5 + 1))

# exercise 2: the hidden size whose FCNet is nearest the ConvNet's parameter count
target = count_parameters(SmallConvNet(maps=12))
h = min(range(1, 100), key=lambda h: abs(count_parameters(FCNet(hidden=h)) - target))
check_matched_hidden(12, h)
for name, make in (("FC", lambda: FCNet(hidden=h)), ("ConvNet", lambda: SmallConvNet(maps=12))):
    print(f"{name}, {count_parameters(make())} parameters, permuted pixels: {train_once(make, True, 0)[1]:.1f}%")

# exercise 3: size 1 + sum over layers of (k - 1) x (the strides below it); stride: the product of the strides
check_pool2_field(1 + (5 - 1) + (2 - 1) + (5 - 1) * 2 + (2 - 1) * 2, 2 * 2)

# exercise 4: the four pixel indices of each 2x2 block, shuffled with a different order in every block
blocks = torch.arange(28 * 28).reshape(14, 2, 14, 2).permute(0, 2, 1, 3).reshape(14, 14, 4)
order = torch.rand(14, 14, 4, generator=torch.Generator().manual_seed(0)).argsort(-1)
block = blocks.gather(-1, order).reshape(14, 14, 2, 2).permute(0, 2, 1, 3).flatten()
check_block_permutation(block)
data["block"] = tuple((permute_pixels(x, block), y) for x, y in data[False])
for permuted, name in ((False, "original"), ("block", "2x2 blocks"), (True, "all pixels")):
    print(f"ConvNet on {name}: {train_once(SmallConvNet, permuted, 0)[1]:.1f}%")

check_unpermuted_twin(unpermuted_twin)   # exercise 5
