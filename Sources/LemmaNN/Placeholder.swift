/// Placeholder until the module system lands; see issue 3.
enum LemmaNNModule {}
