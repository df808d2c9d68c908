"""Solutions to the exercises of 04_lenet5, for teachers (see solutions/01_proto_cnns.py for how they are used)."""

# %% stub
import torch.nn.functional as F


def lenet5_functional(params, x):
    # exercise 4: LeNet5.forward with each module replaced by its function on the state dict's tensors
    x = F.max_pool2d(F.relu(F.conv2d(x, params["conv1.weight"], params["conv1.bias"])), 2, 2)
    x = F.max_pool2d(F.relu(F.conv2d(x, params["conv2.weight"], params["conv2.bias"])), 2, 2)
    x = F.relu(F.linear(x.flatten(1), params["fc1.weight"], params["fc1.bias"]))
    return F.log_softmax(F.linear(x, params["fc2.weight"], params["fc2.bias"]), dim=1)


# %% answers
check_conv2_parameters(50 * 20 * 5 * 5 + 50)      # exercise 1: 50 kernels of 20x5x5, and 50 biases
side = 36
for _ in range(2):                                # exercise 2: each 5x5 convolution takes 4, each pooling halves
    side = (side - 4) // 2
check_feature_side(36, side)

# exercise 3: the same training without the shifts, then both nets on digits moved 2 pixels right
plain = LeNet5()
fit(plain, train, test, epochs=epochs, lr=2e-3, optimizer="adam", schedule="cosine", augment=None, seed=0, progress=False)
moved = (shift(test[0], 2, 0), test[1])
drops = {name: accuracy(net, test) - accuracy(net, moved) for name, net in (("with", model), ("without", plain))}
print({name: f"{drop:.1f} points" for name, drop in drops.items()})
check_shift_robustness(max(drops, key=drops.get), model, plain, test)

check_lenet5_functional(lenet5_functional)        # exercise 4
