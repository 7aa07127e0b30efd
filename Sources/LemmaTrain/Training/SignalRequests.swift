import Dispatch
import Foundation
import Synchronization

/// What a signal (or a callback) asks a running trainer to do, as seed 003's trainer did: SIGINT checkpoints,
/// validates and goes on; SIGTERM checkpoints, validates and stops; SIGUSR1 stops at once, without a
/// checkpoint (`--resume` then continues from the last one saved). `checkpointStop` has no signal: it is for
/// callbacks and tests that want to stop with the current state saved.
public enum TrainingRequest: String, Sendable, CaseIterable {
    case checkpointValidateContinue = "SIGINT"
    case checkpointValidateStop = "SIGTERM"
    case stop = "SIGUSR1"
    case checkpointStop = "checkpoint-and-stop request"

    /// The signal that sends this request, if any.
    var signalNumber: Int32? {
        switch self {
        case .checkpointValidateContinue: SIGINT
        case .checkpointValidateStop: SIGTERM
        case .stop: SIGUSR1
        case .checkpointStop: nil
        }
    }

    var meaning: String {
        switch self {
        case .checkpointValidateContinue: "checkpoint, validate and continue"
        case .checkpointValidateStop: "checkpoint, validate and stop"
        case .stop: "stop without a checkpoint"
        case .checkpointStop: "checkpoint and stop"
        }
    }

    var saves: Bool { self != .stop }
    var validates: Bool { self == .checkpointValidateContinue || self == .checkpointValidateStop }
    var stops: Bool { self != .checkpointValidateContinue }
}

/// Requests waiting for the next step boundary. Receiving a request that is already pending cancels it, so a
/// second Ctrl-C takes back the first. The trainer polls `take()` between steps; nothing is done inside a
/// signal handler.
public final class TrainingRequests: Sendable {
    private let pending = Mutex<Set<TrainingRequest>>([])
    private let sources = Mutex<[any DispatchSourceSignal]>([])

    public init() {}

    /// Toggles `request`; returns whether it is now pending.
    @discardableResult
    public func receive(_ request: TrainingRequest) -> Bool {
        pending.withLock { set in
            if set.remove(request) != nil { return false }
            set.insert(request)
            return true
        }
    }

    /// The pending requests, cleared.
    public func take() -> Set<TrainingRequest> {
        pending.withLock { set in
            defer { set.removeAll() }
            return set
        }
    }

    /// Routes SIGINT, SIGTERM and SIGUSR1 to this object (instead of their default actions) until
    /// `stopListening()`, printing a line on standard error for each.
    public func listenForSignals() {
        let queue = DispatchQueue(label: "lemma.training-signals")
        var made: [any DispatchSourceSignal] = []
        for request in TrainingRequest.allCases {
            guard let number = request.signalNumber else { continue }
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                // Several deliveries may be coalesced into one event; each one toggles.
                var nowPending = false
                for _ in 0..<max(Int(source.data), 1) { nowPending = self.receive(request) }
                let line = nowPending
                    ? "\(request.rawValue): will \(request.meaning) after this step (send it again to cancel)\n"
                    : "\(request.rawValue) again: cancelled\n"
                FileHandle.standardError.write(Data(line.utf8))
            }
            source.resume()
            made.append(source)
        }
        sources.withLock { $0 += made }
    }

    public func stopListening() {
        let all = sources.withLock { list -> [any DispatchSourceSignal] in
            defer { list.removeAll() }
            return list
        }
        for source in all { source.cancel() }
        for request in TrainingRequest.allCases {
            if let number = request.signalNumber { signal(number, SIG_DFL) }
        }
    }
}
