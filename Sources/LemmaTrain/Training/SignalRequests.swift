import Dispatch
import Foundation
import Synchronization

/// What a signal asks a running trainer to do, as seed 003's trainer did: SIGINT checkpoints, validates and
/// goes on; SIGTERM checkpoints, validates and stops; SIGUSR1 checkpoints and stops.
public enum TrainingRequest: String, Sendable, CaseIterable {
    case checkpointValidateContinue = "SIGINT"
    case checkpointValidateStop = "SIGTERM"
    case checkpointStop = "SIGUSR1"

    var signalNumber: Int32 {
        switch self {
        case .checkpointValidateContinue: SIGINT
        case .checkpointValidateStop: SIGTERM
        case .checkpointStop: SIGUSR1
        }
    }

    var meaning: String {
        switch self {
        case .checkpointValidateContinue: "checkpoint, validate and continue"
        case .checkpointValidateStop: "checkpoint, validate and stop"
        case .checkpointStop: "checkpoint and stop"
        }
    }
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
            signal(request.signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: request.signalNumber, queue: queue)
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
        for request in TrainingRequest.allCases { signal(request.signalNumber, SIG_DFL) }
    }
}
