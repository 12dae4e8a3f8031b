"""Lambda's resource model in the local executor (limits.py): the arithmetic, cgroup discovery,
the state line, and (where cgroup v1 is writable, as on these machines) real confinement."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from webhookstack.localstack_plugins.lambda_executor import limits, report
from webhookstack.stack.polling import wait_until

# -- the model ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "memory, cores, vcpus",
    [(1769, 8, 1.0), (128, 8, 128 / 1769), (3538, 8, 2.0), (10240, 8, 10240 / 1769), (10240, 2, 2), (20000, 64, 6)],
)
def test_cpu_share_is_memory_over_1769_capped_at_6_and_the_cores(memory, cores, vcpus):
    assert limits.vcpus_for_memory(memory, cores) == pytest.approx(vcpus)


def test_cfs_quota_is_the_share_of_the_period_and_never_below_the_kernel_minimum():
    assert limits.cfs_quota_us(1769, 20_000, 2) == 20_000
    assert limits.cfs_quota_us(442, 20_000, 2) == round(442 / 1769 * 20_000)
    assert limits.cfs_quota_us(128, 20_000, 2) == 1447
    assert limits.cfs_quota_us(128, 10_000, 2) == 1000  # 724 would be refused by the kernel
    assert limits.cfs_quota_us(3008, 20_000, 1) == 20_000  # one core: at most one core


# -- discovery ---------------------------------------------------------------------------

PROC_CGROUP = "9:name=systemd:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/\n"
MOUNTINFO = (
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 /process_api /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
)


def test_cgroup_dirs_join_mount_point_and_membership_minus_the_mount_root():
    dirs = limits.cgroup_v1_dirs(proc_cgroup=PROC_CGROUP, mountinfo=MOUNTINFO)
    assert str(dirs["cpu"]) == "/sys/fs/cgroup/cpu,cpuacct"
    assert str(dirs["memory"]) == "/sys/fs/cgroup/memory/abc"


def test_cgroup_dirs_name_the_missing_controller():
    with pytest.raises(LookupError, match="'memory'"):
        limits.cgroup_v1_dirs(proc_cgroup="2:cpu:/\n0::/\n", mountinfo=MOUNTINFO)
    with pytest.raises(LookupError, match="not mounted"):
        limits.cgroup_v1_dirs(proc_cgroup=PROC_CGROUP, mountinfo=MOUNTINFO.replace("rw,memory", "rw,pids"))


def test_disabling_runs_unlimited_and_says_why():
    chosen = limits.probe({limits.DISABLE_ENV: "off"})
    assert not chosen.state.enforced
    assert chosen.state.line() == (
        "Lambda resource limits: OFF, functions run unlimited: disabled by WEBHOOKSTACK_LAMBDA_LIMITS=off"
    )
    assert chosen.confine("env", 128).wrap_command(["python"]) == ["python"]


def test_state_file_round_trip_and_status_line(tmp_path):
    limits.write_state(limits.LimitsState(True, "cgroup v1 (a, b)", pid=42), limits.state_file(tmp_path))
    assert limits.status_line(tmp_path, 42).startswith("Lambda resource limits: enforced via cgroup v1 (a, b)")
    assert "not known yet" in limits.status_line(tmp_path, 43)  # another engine's (stale) file
    assert json.loads(limits.state_file(tmp_path).read_text())["pid"] == 42


# -- AWS-shaped OOM report ---------------------------------------------------------------


def test_out_of_memory_payload_and_report_line_parse():
    payload = json.loads(report.out_of_memory_payload("rid-1", -9))
    assert payload == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": "RequestId: rid-1 Error: Runtime exited with error: signal: killed",
    }
    line = report.report_line("rid-1", 812.5, 128, 128, None, "error", "Runtime.OutOfMemory")
    fields = report.parse_report_line(line)
    assert fields["Max Memory Used"] == fields["Memory Size"] == "128 MB"
    assert fields["Status"] == "error" and fields["Error Type"] == "Runtime.OutOfMemory"
    # AWS prints both in one field: "Status: error Error Type: Runtime.OutOfMemory"
    aws = "REPORT RequestId: x\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error Error Type: Runtime.OutOfMemory"
    assert report.parse_report_line(aws)["Error Type"] == "Runtime.OutOfMemory"


# -- real cgroups (root, Linux, cgroup v1) -----------------------------------------------


@pytest.fixture
def cgroups():
    chosen = limits.probe({})
    if not isinstance(chosen, limits.CgroupV1Limits):
        pytest.skip(f"cgroup v1 limits unavailable here: {chosen.state.detail}")
    yield chosen
    chosen.shutdown()
    assert not [g for g in chosen.groups() if g.name.startswith(f"webhookstack-{os.getpid()}-")]


CPU_LOOP = (
    "import time\nw = time.perf_counter()\nx = 0\n"
    "for i in range(2_500_000): x += i * i\n"
    "print(time.perf_counter() - w)"
)


def _loop_seconds(cgroups, env_id: str, memory_mb: int) -> float:
    confinement = cgroups.confine(env_id, memory_mb)
    try:
        confinement.runtime_ready()
        done = subprocess.run(confinement.wrap_command([sys.executable, "-S", "-c", CPU_LOOP]),
                              capture_output=True, text=True, check=True)
        return float(done.stdout)
    finally:
        confinement.close()


def test_cpu_bound_work_runs_about_4x_slower_at_a_quarter_of_1769_mb(cgroups):
    # best of 3 each: other load on a small machine only ever makes a run slower
    full = min(_loop_seconds(cgroups, f"full{i}", 1769) for i in range(3))
    quarter = min(_loop_seconds(cgroups, f"quarter{i}", 442) for i in range(3))
    ratio = quarter / full
    print(f"1769 MB: {full:.3f}s, 442 MB: {quarter:.3f}s, ratio {ratio:.2f} (expected ~{1769 / 442:.2f})")
    assert 3.0 <= ratio <= 5.0


def test_allocating_beyond_the_memory_size_is_killed_and_detected(cgroups):
    confinement = cgroups.confine("oom", 128)
    try:
        confinement.runtime_starting()
        confinement.checkpoint()
        code = "b = bytearray(300 * 1024 * 1024)\nprint('survived')"
        done = subprocess.run(confinement.wrap_command([sys.executable, "-S", "-c", code]), capture_output=True, text=True)
        assert done.returncode == -9 and "survived" not in done.stdout
        assert confinement.out_of_memory()
        confinement.checkpoint()
        assert not confinement.out_of_memory()  # counted once, per invocation
    finally:
        confinement.close()
    assert not confinement.memory_group.exists() and not confinement.cpu_group.exists()


def test_groups_of_a_dead_localstack_are_swept(cgroups):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    other = limits.CgroupV1Limits(cgroups.cpu_root, cgroups.memory_root, owner_pid=dead.pid)
    leftover = other.confine("left-behind", 256)
    sleeper = subprocess.Popen(leftover.wrap_command(["sleep", "30"]))
    # Synchronise on the kernel's own record: the sleeper has joined its group.
    wait_until(lambda: str(sleeper.pid) in (leftover.memory_group / "cgroup.procs").read_text().split(),
               "the sleeper to join its cgroup", timeout=10)
    removed = cgroups.sweep_stale()
    assert leftover.cpu_group in removed and leftover.memory_group in removed
    assert sleeper.wait(timeout=5) == -9  # its process was killed with it
