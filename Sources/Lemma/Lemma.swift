// One import for users: `import Lemma` brings the tensor engine, layers and optimizers.
@_exported import LemmaNN
@_exported import LemmaOptim
@_exported import LemmaTensor
