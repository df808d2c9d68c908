"""The lecture's LeNet5, corrected, as a class and as an nn.Sequential (first trained in
03_pooling_zoo, taken apart in 04_lenet5, reused in 05 and 07).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.inputs import check_input


class LeNet5(nn.Module):
    """The lecture's LeNet5, corrected: 28x28 input, conv 20 -> pool -> conv 50 -> pool -> fc 500 -> fc 10.

    Input (N, 1, 28, 28); output (N, 10) log-probabilities. 431,080 parameters.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5, 1)
        self.pool1 = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(20, 50, 5, 1)
        self.pool2 = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(4 * 4 * 50, 500)
        self.fc2 = nn.Linear(500, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The two conv + pool stages: (N, 1, 28, 28) -> (N, 50, 4, 4)."""
        x = self.pool1(F.relu(self.conv1(x)))
        return self.pool2(F.relu(self.conv2(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, (1, 28, 28), "LeNet5", "load digits with load_digits(size=28), or add the channel axis with x.unsqueeze(1)", self)
        x = self.features(x).flatten(1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def lenet5_sequential() -> nn.Sequential:
    """The same network as LeNet5 written with nn.Sequential; its state_dict keys are indices (0, 3, 7, 9)."""
    return nn.Sequential(
        nn.Conv2d(1, 20, 5, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(20, 50, 5, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 50, 500), nn.ReLU(),
        nn.Linear(500, 10), nn.LogSoftmax(dim=1),
    )
