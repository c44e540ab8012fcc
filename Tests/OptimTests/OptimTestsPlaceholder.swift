// Tests of the Optim module.
