// Tests of the Recipes module.
