'use strict';
// CPU time of processes from /proc/<pid>/stat (utime + stime, in clock ticks of 10 ms).
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU ms used so far by pid, or null when it is gone. */
function cpuMsOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: fields count from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

/** Snapshot of { name: read(pid) } for a { name: pid } map: CPU ms unless another reader is given. */
function snapshot(pids, read = cpuMsOf) {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, read(pid)]));
}

/** { name: after − before } between two snapshots, for the names both could read. */
function diff(before, after, minus = (a, b) => a - b) {
  const out = {};
  for (const name of Object.keys(before)) {
    if (before[name] !== null && after[name] !== null) out[name] = minus(after[name], before[name]);
  }
  return out;
}

/**
 * System calls that read and that wrote so far, from /proc/<pid>/io (syscr, syscw; all the
 * process' threads), or null when it cannot be read. On loopback every message one process sends
 * another is a write here and a read there, and the write carries the kernel's delivery and the
 * receiver's wake-up: on a VM the dearest part of a small message.
 */
function syscallsOf(pid) {
  try {
    const io = Object.fromEntries(
      fs
        .readFileSync(`/proc/${pid}/io`, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(': ')),
    );
    return { reads: Number(io.syscr), writes: Number(io.syscw) };
  } catch {
    return null;
  }
}

/** { name: { reads, writes } } now, and made between two such snapshots. */
const syscallSnapshot = (pids) => snapshot(pids, syscallsOf);
const syscallDiff = (before, after) =>
  diff(before, after, (a, b) => ({ reads: a.reads - b.reads, writes: a.writes - b.writes }));

/**
 * Milliseconds the process's main thread has so far spent runnable but waiting for a core
 * (/proc/<pid>/schedstat, its second field, in ns), or null when it cannot be read. The main thread
 * is the one running a Node service's event loop: time it waits there, every request and event it
 * holds waits too. On a machine with more runnable work than cores, this is the queueing that CPU
 * time does not show.
 */
function runQueueWaitMsOf(pid) {
  try {
    const [, waitNs] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return Number.isFinite(waitNs) ? waitNs / 1e6 : null;
  } catch {
    return null;
  }
}

module.exports = { cpuMsOf, snapshot, diff, syscallsOf, syscallSnapshot, syscallDiff, runQueueWaitMsOf };

/**
 * The whole machine's CPU ms so far (all cores), from the first line of /proc/stat: `busy` counts
 * hypervisor steal in, `steal` is that part alone (time the host gave other guests while this VM
 * wanted to run: on a shared cloud host, the noise that moves every figure of a step). Null when
 * /proc/stat cannot be read.
 */
function machineTimes() {
  try {
    const [, ...f] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = f.map((v) => (Number(v) * 1000) / clockTicks());
    return { busy: user + nice + system + irq + softirq + steal, steal };
  } catch {
    return null;
  }
}

/** This process's own CPU ms (the load generator). */
const selfMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

module.exports.machineTimes = machineTimes;
module.exports.selfMs = selfMs;
