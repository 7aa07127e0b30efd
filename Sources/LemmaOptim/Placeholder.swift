/// Placeholder until the optimizers land; see issue 3.
enum LemmaOptimModule {}
