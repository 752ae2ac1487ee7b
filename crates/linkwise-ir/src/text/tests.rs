//! Tests of the text form: parsing, printing, round trips and syntax errors.
