// LemmaModels: the model presets (classifiers), pretrained encoders (BERT family) and the tasks that
// train them with LemmaTrain's Trainer. It stands on every layer below and is what the CLI builds runs from.
import LemmaData
import LemmaNN
import LemmaTensor
