// Lemma's side of the benchmarks in bench/: each workload prints one JSON line, which bench/compare.py
// pairs with PyTorch's numbers for the same workload.
// Usage: lemma-bench [all|WORKLOAD] [--repeat N]; `all` runs the workloads PyTorch also runs.
import Foundation
import Lemma

applyThreadingDefaults()
let arguments = CommandLine.arguments.dropFirst()
let which = arguments.first { !$0.hasPrefix("-") && Int($0) == nil && !$0.contains("/") } ?? "all"
let repeats = arguments.firstIndex(of: "--repeat").flatMap { Int(arguments[$0 + 1]) } ?? 7


/// Workloads by name; those in `compared` have a PyTorch twin in bench/torch_bench.py.
let workloads: [(name: String, compared: Bool, run: () -> Void)] = [
    ("gemm", true, benchGemm),
    ("gemm-shapes", false, benchGemmShapes),
    ("dispatch", true, benchDispatch),
    ("mlp", true, benchMLP),
    ("conv1d", true, benchConv1dTextCNN),
    ("conv2d", true, benchConv2dEncoder),
    ("rnn", true, benchRecurrent),
    ("seed000-bilstm", true, benchSeedBiLSTM),
    ("seed002-gru", true, benchSeedGRU),
    ("attention", true, benchAttentionBlock),
    ("classifier", false, benchClassifiers),
    ("tokenizer", false, benchTokenizer),
    ("vectors-read", false, benchVectorsRead),
    ("vectors-match", false, benchVectorsMatch),
    ("seq2seq-decode", false, benchSeq2SeqDecode),
    ("gpt2-train", false, benchGPT2Steps),
    ("gpt2-sample", false, benchGPT2Sampling),
    ("gpt2-extend", false, benchGPT2Extend),
    ("gpt2-check", false, gpt2Check),
    ("lm-encode", false, benchLanguageModelEncode),
    ("im2latex", false, benchIm2Latex),
    ("im2latex-gradients", false, im2latexGradients),
    ("serve-load", false, benchServeLoad),
    ("allreduce", false, benchAllReduce),
]

guard which == "all" || workloads.contains(where: { $0.name == which }) else {
    FileHandle.standardError.write(Data("lemma-bench: unknown workload '\(which)'; one of all, \(workloads.map(\.name).joined(separator: ", "))\n".utf8))
    exit(2)
}
for workload in workloads where workload.name == which || (which == "all" && workload.compared) {
    workload.run()
}
