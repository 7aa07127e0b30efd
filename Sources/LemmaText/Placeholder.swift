enum LemmaTextPlaceholder {}
