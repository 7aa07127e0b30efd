import Foundation

/// How long idle worker threads spin before sleeping. libgomp (the thread pool oneDNN and Lemma's kernels
/// share) spins for about 300,000 iterations by default; on a 2-core machine with any other load that
/// spinning steals the core the work needs, and a training step can take 2–4× longer. A short spin keeps
/// the quick hand-offs between parallel regions on a quiet machine and backs off under load.
///
/// libgomp reads its settings once, when it loads, so they can only be changed for a fresh process:
/// `applyThreadingDefaults` re-executes the current program with `GOMP_SPINCOUNT` set, unless the user has
/// set it or `OMP_WAIT_POLICY` already. Call it first thing in `main`. Returns only if nothing needed doing
/// (or the re-exec failed, in which case the program runs with libgomp's defaults).
public func applyThreadingDefaults(spinCount: Int = 10_000) {
    let environment = ProcessInfo.processInfo.environment
    guard environment["GOMP_SPINCOUNT"] == nil, environment["OMP_WAIT_POLICY"] == nil else { return }
    setenv("GOMP_SPINCOUNT", String(spinCount), 1)
    let arguments = CommandLine.unsafeArgv
    execv("/proc/self/exe", arguments)
}
