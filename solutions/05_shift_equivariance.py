"""Solutions to the exercises of 05_shift_equivariance, for teachers (see solutions/01_proto_cnns.py for how they are
used)."""

# %% stub
import torch

from helpers.augment import shift


def map_error(f, images, d, s):
    """Exercise 4: ||f(T_d x) - T_k f(x)|| / ||T_k f(x)||, k = d // s, on the columns both maps share."""
    k = d // s
    with torch.no_grad():
        moved, plain = f(shift(images, 0, d)), f(images)
    a, b = moved[..., k:], plain[..., : plain.shape[-1] - k]   # column j + k of the moved map is column j of the map
    return ((a - b).norm() / b.norm()).item()


# %% answers
stride = 4                                           # pool2's cumulative stride: 1 * 2 * 1 * 2
check_map_move(6, 6 / stride)                        # exercise 1
check_exact_shifts([d for d in range(13) if d % stride == 0])   # exercise 2

post = AntiAliasedLeNet5()                           # exercise 3: blurred after training, not trained with the blur
post.load_state_dict(model.state_dict())
print(f"test accuracy {accuracy(post, test):.1f}%")
post_consistency = consistency(post, test[0], 2, generator=torch.Generator().manual_seed(0))
check_consistency(post_consistency, post, test[0], 2)

check_map_error(map_error)                           # exercise 4
