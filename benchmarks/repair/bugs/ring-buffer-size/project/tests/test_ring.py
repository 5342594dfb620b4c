import pytest

from buffers.ring import RingBuffer


def test_push_and_len():
    buffer = RingBuffer(3)
    buffer.push("a")
    buffer.push("b")
    assert len(buffer) == 2
    assert list(buffer) == ["a", "b"]


def test_full():
    buffer = RingBuffer(1)
    buffer.push(1)
    with pytest.raises(OverflowError):
        buffer.push(2)


def test_pop_returns_the_oldest():
    buffer = RingBuffer(3)
    buffer.push(1)
    buffer.push(2)
    assert buffer.pop() == 1


def test_pop_from_empty():
    with pytest.raises(IndexError):
        RingBuffer(2).pop()


def test_len_after_pop():
    buffer = RingBuffer(3)
    buffer.push(1)
    buffer.push(2)
    buffer.pop()
    assert len(buffer) == 1


def test_room_after_pop():
    buffer = RingBuffer(2)
    buffer.push(1)
    buffer.push(2)
    buffer.pop()
    buffer.push(3)
    assert list(buffer) == [2, 3]
