import torch

from core.model import hardware


def test_cpu_kind_follows_the_flags(monkeypatch):
    for flags, kind in [
        ({"avx2", "fma"}, "avx2"),
        ({"avx2", "avx512f"}, "avx512"),
        ({"avx2", "avx512f", "amx_bf16"}, "amx"),
        ({"sse4_2"}, "other"),
    ]:
        monkeypatch.setattr(hardware, "cpu_flags", lambda flags=flags: frozenset(flags))
        assert hardware.cpu_kind() == kind


def test_native_bf16_needs_avx512_bf16_or_amx(monkeypatch):
    monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset({"avx2", "avx512f"}))
    assert not hardware.has_native_bf16()
    monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset({"avx512_bf16"}))
    assert hardware.has_native_bf16()


def test_onednn_bf16_answer_matches_what_torch_can_run():
    """Where it says yes, oneDNN's bf16 linear runs; where no, we never call it."""
    if hardware.onednn_bf16_supported():
        w = torch.ops.mkldnn._reorder_linear_weight(torch.randn(8, 4).bfloat16(), 2)
        y = torch.ops.mkldnn._linear_pointwise(torch.randn(2, 4).bfloat16(), w, None, "none", [], "none")
        assert y.shape == (2, 8)
    else:
        assert not hardware.has_native_bf16() or not torch.backends.mkldnn.is_available()


def test_description_names_the_cpu_and_its_kind():
    text = hardware.describe_cpu()
    assert hardware.cpu_model() in text and hardware.cpu_kind() in text


def test_threads_set_on_a_background_thread_leave_the_callers_alone():
    import threading

    before = torch.get_num_threads()
    seen = {}

    def background() -> None:
        hardware.use_threads_here(1)
        seen["background"] = torch.get_num_threads()

    worker = threading.Thread(target=background)
    worker.start()
    worker.join()
    assert seen["background"] == 1
    assert torch.get_num_threads() == before  # the page's thread keeps its cores
