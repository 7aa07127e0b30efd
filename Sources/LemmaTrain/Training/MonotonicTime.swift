import Foundation

/// Seconds on a clock that only moves forward at a steady rate (CLOCK_MONOTONIC). Training times are measured
/// on it rather than with `Date`, whose wall clock can be adjusted mid-run: once a run's `training_seconds`,
/// timed with `Date`, came out 13.5 s longer than its whole process timed monotonically by the benchmark.
enum MonotonicTime {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
