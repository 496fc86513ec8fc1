import math

import pytest
import torch

from tinyclr.schedule import WarmupSchedule, build_scheduler


def test_warmup_rises_linearly():
    schedule = WarmupSchedule("cosine", total_steps=10, warmup_steps=4)
    assert [schedule(step) for step in range(4)] == pytest.approx([0.25, 0.5, 0.75, 1.0])


def test_cosine_decays_to_zero():
    schedule = WarmupSchedule("cosine", total_steps=10, warmup_steps=0)
    assert schedule(0) == 1.0
    assert schedule(5) == pytest.approx(0.5)
    assert schedule(10) == pytest.approx(0.0)


def test_constant_after_warmup():
    schedule = WarmupSchedule("constant", total_steps=10, warmup_steps=2)
    assert [schedule(step) for step in range(2, 10)] == [1.0] * 8


def test_schedule_unknown_kind():
    with pytest.raises(ValueError, match="cosine, constant"):
        WarmupSchedule("step", total_steps=10, warmup_steps=0)


def test_schedule_same_shape_per_epoch():
    # Batch 256 and batch 512 on one data set: equal learning rates at equal fractions of an epoch.
    small = WarmupSchedule("cosine", total_steps=5 * 40, warmup_steps=40)
    large = WarmupSchedule("cosine", total_steps=5 * 20, warmup_steps=20)
    for epoch_fraction in (0.5, 1.0, 2.5, 4.0):
        assert small(int(epoch_fraction * 40)) == pytest.approx(
            large(int(epoch_fraction * 20)), abs=0.03
        )


def lrs_of_scheduler(kind, epochs, steps_per_epoch, warmup_epochs):
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=0.1)
    scheduler = build_scheduler(optimizer, kind, epochs, steps_per_epoch, warmup_epochs)
    rates = []
    for _ in range(epochs * steps_per_epoch):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


def test_scheduler_per_step_values():
    rates = lrs_of_scheduler("cosine", epochs=2, steps_per_epoch=4, warmup_epochs=0.5)
    assert rates[:2] == pytest.approx([0.05, 0.1])
    assert rates[2] == pytest.approx(0.1)
    assert rates[3] == pytest.approx(0.1 * 0.5 * (1 + math.cos(math.pi / 6)))
    assert rates[-1] < rates[3]


def test_scheduler_state_round_trip():
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=0.1)
    scheduler = build_scheduler(optimizer, "cosine", 3, 5, 1.0)
    for _ in range(7):
        optimizer.step()
        scheduler.step()
    restored_optimizer = torch.optim.SGD([parameter], lr=0.1)
    restored = build_scheduler(restored_optimizer, "cosine", 3, 5, 1.0)
    restored.load_state_dict(scheduler.state_dict())
    assert restored.get_last_lr() == scheduler.get_last_lr()
