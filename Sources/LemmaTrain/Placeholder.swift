enum LemmaTrainPlaceholder {}
