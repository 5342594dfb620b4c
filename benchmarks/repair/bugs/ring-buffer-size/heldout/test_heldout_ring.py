import pytest

from buffers.ring import RingBuffer


def test_pop_everything_then_empty():
    buffer = RingBuffer(2)
    buffer.push("x")
    buffer.push("y")
    assert [buffer.pop(), buffer.pop()] == ["x", "y"]
    assert len(buffer) == 0
    with pytest.raises(IndexError):
        buffer.pop()


def test_wrap_around_many_times():
    buffer = RingBuffer(3)
    out = []
    for i in range(20):
        buffer.push(i)
        if len(buffer) == 3:
            out.append(buffer.pop())
    assert out == list(range(18))
    assert list(buffer) == [18, 19]


def test_fifo_order():
    buffer = RingBuffer(4)
    for i in range(4):
        buffer.push(i)
    assert [buffer.pop() for _ in range(4)] == [0, 1, 2, 3]


def test_full_again_after_refill():
    buffer = RingBuffer(2)
    buffer.push(1)
    buffer.push(2)
    buffer.pop()
    buffer.push(3)
    with pytest.raises(OverflowError):
        buffer.push(4)


def test_capacity_one_cycle():
    buffer = RingBuffer(1)
    for i in range(5):
        buffer.push(i)
        assert buffer.pop() == i
    assert len(buffer) == 0
