//! 收费 at the desk (issue 13): a payment with a waiver and its receipt, a refund with a reason, the day's summary.
