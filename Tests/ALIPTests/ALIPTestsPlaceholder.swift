// Tests of the ALIP module.
