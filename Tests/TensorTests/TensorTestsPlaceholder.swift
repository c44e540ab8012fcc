// Tests of the Tensor module.
