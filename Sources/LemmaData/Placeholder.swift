enum LemmaDataPlaceholder {}
