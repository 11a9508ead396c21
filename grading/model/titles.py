"""How each candidate model is named to the owner, in a module of its own: the app says which model suggests its
grades on every page, and this needs no scikit-learn (:mod:`grading.model.candidates` imports it)."""

#: How each candidate is named to the owner (model card, app).
CANDIDATE_TITLES: dict[str, str] = {
    "rule_grade": "the rule grade itself",
    "dummy": "always the most common grade",
    "logistic_regression": "multinomial logistic regression",
    "ordinal_logit": "ordinal (cumulative-logit) regression",
    "gradient_boosting": "shallow gradient-boosted trees",
    "rule_anchored": "the rules, adjusted to your grades (ordinal regression anchored to the rule grade)",
}
