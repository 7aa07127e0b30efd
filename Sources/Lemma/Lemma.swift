// One import for users: `import Lemma` brings the tensor engine, layers, optimizers, tokenizers and data.
@_exported import LemmaData
@_exported import LemmaDecoding
@_exported import LemmaDistributed
@_exported import LemmaModels
@_exported import LemmaNN
@_exported import LemmaOptim
@_exported import LemmaTensor
@_exported import LemmaText
@_exported import LemmaTrain
