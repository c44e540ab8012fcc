// Tests of the Data module.
