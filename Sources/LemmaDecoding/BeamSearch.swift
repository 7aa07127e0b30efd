import Foundation
import LemmaTensor

/// Beam search as Hugging Face `generate` runs it since its 2025 rewrite (`_beam_search`): per batch item,
/// the (1 + stop tokens) × beams best continuations of all beams are taken each step; those ending in a stop
/// token (or at the length limit) among the best `beams` become finished hypotheses scored
/// sum log p / length^lengthPenalty, the best `beams` of the others run on. Early stopping as `EarlyStopping`
/// says. Scores are float32 with the same −1e9 sentinels, so ties and edge cases fall the same way. An item
/// whose hypotheses can no longer change (all finished under early stopping, or none can be improved on)
/// leaves the batch, where Hugging Face keeps computing its beams and discards what they find.
extension Decoder {
    struct Candidate {
        var score: Float
        var beam: Int
        var token: Int32
    }

    struct Beams {
        var running: [[Int32]]          // generated tokens of each running beam
        var runningScores: [Float]
        var finished: [[Int32]]
        var finishedScores: [Float]
        var finishedFlags: [Bool]
        var improvable = true
    }

    func beamSearch(prompts: [[Int32]], state initial: Step.State) throws -> [[Hypothesis]] {
        let beams = options.beams, keep = Swift.max(2, 1 + options.stopTokens.count) * beams
        var items = prompts.map { _ in
            Beams(running: Array(repeating: [], count: beams),
                  runningScores: [0] + Array(repeating: -1e9, count: beams - 1),
                  finished: Array(repeating: [], count: beams), finishedScores: Array(repeating: -1e9, count: beams),
                  finishedFlags: Array(repeating: false, count: beams))
        }
        var state = step.select(initial, rows: prompts.indices.flatMap { Array(repeating: $0, count: beams) })
        var last = prompts.flatMap { p in Array(repeating: p.last!, count: beams) }
        /// The items still searching; the state holds `beams` rows for each, in this order.
        var active = Array(prompts.indices)
        for generated in 0..<options.maxNewTokens {
            let (logits, next) = try step.step(last, state: state)
            let best = try bestContinuations(logits, active: active, items: items, prompts: prompts,
                                             generated: generated, count: keep)
            var everyCandidateStopped = true
            var order: [Int] = []
            var stillActive: [Int] = []
            for (position, item) in active.enumerated() {
                var b = items[item]
                let top = best[position]
                let atLimit = generated + 1 >= options.maxNewTokens
                let stops = top.map { options.stopTokens.contains($0.token) || atLimit }
                everyCandidateStopped = everyCandidateStopped && stops.allSatisfy { $0 }
                // Running beams for the next step: the best candidates that did not stop.
                let runningScores = zip(top, stops).map { $1 ? $0.score + -1e9 : $0.score }
                let chosen = Self.largest(runningScores, count: beams)
                let oldRunning = b.running
                b.running = chosen.map { oldRunning[top[$0].beam] + [top[$0].token] }
                b.runningScores = chosen.map { runningScores[$0] }
                // Finished hypotheses: the best `beams` of the old ones and the candidates among the top `beams`
                // that stopped.
                let length = Float(generated + 1)
                let allFinished = b.finishedFlags.allSatisfy { $0 } && options.earlyStopping == .whenBeamsFinish
                var candidateScores: [Float] = []
                var candidateFlags: [Bool] = []
                for (rank, candidate) in top.enumerated() {
                    let justFinished = stops[rank] && rank < beams
                    var s = candidate.score / Float(pow(Double(length), Double(options.lengthPenalty)))
                    if allFinished { s += -1e9 }
                    if !b.improvable { s += -1e9 }
                    if !justFinished { s += -1e9 }
                    candidateScores.append(s)
                    candidateFlags.append(justFinished)
                }
                let mergedScores = b.finishedScores + candidateScores
                let mergedTokens = b.finished + top.map { oldRunning[$0.beam] + [$0.token] }
                let mergedFlags = b.finishedFlags + candidateFlags
                let best = Self.largest(mergedScores, count: beams)
                b.finished = best.map { mergedTokens[$0] }
                b.finishedScores = best.map { mergedScores[$0] }
                b.finishedFlags = best.map { mergedFlags[$0] }
                // Can a running beam still beat the worst finished one?
                let hypotheticalLength = options.earlyStopping == .never && options.lengthPenalty > 0
                    ? Float(options.maxNewTokens) : Float(generated + 1)
                let bestPossible = b.runningScores[0] / Float(pow(Double(hypotheticalLength), Double(options.lengthPenalty)))
                let worst = b.finishedScores.min()!
                b.improvable = b.improvable && b.finishedFlags.contains { bestPossible > ($0 ? worst : -1e9) }
                items[item] = b
                // From here on every candidate of a done item would score −1e9 more: its hypotheses are final.
                let done = !b.improvable || (b.finishedFlags.allSatisfy { $0 } && options.earlyStopping == .whenBeamsFinish)
                if !done {
                    stillActive.append(item)
                    order += chosen.map { position * beams + top[$0].beam }
                }
            }
            active = stillActive
            if active.isEmpty || everyCandidateStopped { break }
            state = step.select(next, rows: order)
            last = active.flatMap { items[$0].running.map { $0.last! } }
        }
        return items.map { b in
            (0..<options.returnSequences).map { Hypothesis(tokens: b.finished[$0], score: b.finishedScores[$0]) }
        }
    }

    /// For each active item, the `count` best continuations of all its beams — running score plus the token's
    /// log-probability, after the score processors — best first; on equal scores the lower beam, then the lower
    /// token, first (the order of the flattened beam-major scores Hugging Face ranks).
    func bestContinuations(_ logits: Tensor, active: [Int], items: [Beams], prompts: [[Int32]], generated: Int,
                           count: Int) throws -> [[Candidate]] {
        let beams = options.beams
        try Self.checkRows(logits, count: active.count * beams)
        let vocabulary = logits.shape[1]
        // log-probability = logit − the row's log-sum-exp, the same bits on both paths (one kernel computes both).
        if process.leavesUnchanged(generated: generated), count < 64,
           let found = fromEachRowsBest(logits, active: active, items: items, count: count) {
            return found
        }
        let shifts = withNoGrad { logits.logSumExp(axis: 1) }.scalars
        let rows = try Self.rows(logits, count: active.count * beams)
        return active.enumerated().map { position, item in
            // Accumulated log-probabilities of every continuation of every beam, flattened beam-major.
            var flat: [Float] = []
            flat.reserveCapacity(beams * vocabulary)
            for beam in 0..<beams {
                let row = position * beams + beam, b = items[item]
                let logProbs = process(rows[row].map { $0 - shifts[row] }, context: prompts[item] + b.running[beam],
                                       generated: generated, minimumKept: 1 + options.stopTokens.count)
                flat += logProbs.map { $0 + b.runningScores[beam] }
            }
            return Self.largest(flat, count: count).map {
                Candidate(score: flat[$0], beam: $0 / vocabulary, token: Int32($0 % vocabulary))
            }
        }
    }

    /// `bestContinuations` when nothing rescales a row: the candidates come from each beam row's best tokens and
    /// log-sum-exp, taken on the tensor, instead of from all beams × vocabulary scores in Swift. A row's score is
    /// monotone in its logits, so a row's best `count` tokens hold every candidate it can give, unless its
    /// `count`-th and `count + 1`-th scores tie (rounding can make distinct logits tie in score; so can a running
    /// score of −1e9) and that tied score reaches the chosen ones. Within the kept tokens equal scores are put in
    /// token order, as the full ranking has them. Nil when such a tie could matter or a row's log-sum-exp is not
    /// finite (NaN or infinite logits): the caller ranks everything instead.
    func fromEachRowsBest(_ logits: Tensor, active: [Int], items: [Beams], count: Int) -> [[Candidate]]? {
        let beams = options.beams, vocabulary = logits.shape[1]
        let perRow = Swift.min(count + 1, vocabulary), kept = Swift.min(count, vocabulary)
        let (values, tokens, logSumExp) = logits.topKWithLogSumExp(perRow)
        let best = values.scalars, ids = tokens.values, shifts = logSumExp.scalars
        guard shifts.allSatisfy(\.isFinite) else { return nil }
        var result: [[Candidate]] = []
        result.reserveCapacity(active.count)
        for (position, item) in active.enumerated() {
            var flat: [(score: Float, token: Int32)] = []
            flat.reserveCapacity(beams * kept)
            var highestTie = -Float.infinity  // the highest score at which a row's cut fell inside a tie
            var tied = false
            for beam in 0..<beams {
                let row = position * beams + beam, first = row * perRow, start = flat.count
                let running = items[item].runningScores[beam]
                func score(_ j: Int) -> Float { best[first + j] - shifts[row] + running }
                for j in 0..<kept { flat.append((score(j), ids[first + j])) }
                if perRow > kept, flat[start + kept - 1].score == score(kept) {
                    tied = true
                    highestTie = Swift.max(highestTie, score(kept))
                }
                // topK gives the row best first; equal scores go in token order, as the full ranking has them.
                flat[start...].sort { $0.score > $1.score || ($0.score == $1.score && $0.token < $1.token) }
            }
            let chosen = Self.largest(flat.map(\.score), count: count)
            if tied, chosen.count < count || highestTie >= flat[chosen[chosen.count - 1]].score { return nil }
            result.append(chosen.map { Candidate(score: flat[$0].score, beam: $0 / kept, token: flat[$0].token) })
        }
        return result
    }

    /// Indices of the `count` largest values, largest first; on equal values the lower index first. One pass
    /// keeping the best `count` in order (beam search asks for 2·beams of beams·vocabulary candidates, so a full
    /// sort would do most of its work on candidates it throws away).
    static func largest(_ values: [Float], count: Int) -> [Int] {
        guard count > 0 else { return [] }
        var best: [Int] = []
        best.reserveCapacity(count + 1)
        for index in values.indices {
            let value = values[index]
            // Scanning in index order, a value ties with no later one ahead of it: strictly greater wins.
            if best.count == count, !(value > values[best[count - 1]]) { continue }
            var at = best.count
            while at > 0, value > values[best[at - 1]] { at -= 1 }
            best.insert(index, at: at)
            if best.count > count { best.removeLast() }
        }
        return best
    }
}
