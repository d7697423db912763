"""What codes and coefficients mean: land-use classification, control and coefficient tables."""
