@_exported import LemmaTensor
