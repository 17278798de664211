"""Toast fade/slide envelope and the stack's ageing, with an injected clock (no window)."""

import pytest

from imwarmup.widgets.toast import ToastTiming, toast_envelope


T = ToastTiming(fade_in=0.3, hold=4.0, fade_out=0.5)


def test_envelope_fades_in_slides_in_holds_and_fades_out():
    alpha0, slide0, done0 = toast_envelope(0.0, T)
    assert (alpha0, slide0, done0) == (0.0, 1.0, False)
    a_mid, s_mid, _ = toast_envelope(0.15, T)
    assert 0.0 < a_mid < 1.0 and 0.0 < s_mid < 1.0 and a_mid + s_mid == pytest.approx(1.0)
    assert toast_envelope(1.0, T) == (1.0, 0.0, False)
    assert toast_envelope(4.29, T) == (1.0, 0.0, False)
    a_out, _, done = toast_envelope(4.3 + 0.25, T)
    assert 0.0 < a_out < 1.0 and not done
    assert toast_envelope(4.81, T)[2] is True


def test_toast_stays_about_four_seconds():
    assert T.total == pytest.approx(4.8)
    assert ToastTiming().hold == pytest.approx(4.0)


def test_stack_pauses_while_hovered_and_drops_expired():
    from imwarmup.panels.toasts import ToastStack
    from imwarmup.theme import Role

    stack = ToastStack(T)
    toast = stack.push("All providers ready (3 modules).", Role.READY)
    stack.advance(10.0)             # first sight: age starts counting from here
    stack.advance(12.0)
    assert toast.age == pytest.approx(2.0)
    toast.hovered = True
    stack.advance(20.0)             # hovered: 8 s pass, the toast does not age
    assert toast.age == pytest.approx(2.0)
    toast.hovered = False
    stack.advance(22.0)
    assert toast.age == pytest.approx(4.0) and stack.active
    stack.advance(23.0)             # 5 s visible > 4.8 s: gone
    assert not stack.active


def test_clicked_toast_closes_and_others_stay():
    from imwarmup.panels.toasts import ToastStack
    from imwarmup.theme import Role

    stack = ToastStack(T)
    first = stack.push("one", Role.READY)
    second = stack.push("two", Role.FAILED)
    first.closed = True
    stack.advance(1.0)
    assert stack.toasts == [second]
