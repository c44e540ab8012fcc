// Tests of the NN module.
