"""Live portfolio reviews: sessions a coach and an owner walk together, the decisions they take, the lift
playbook, lift plans per client and the written summary they leave with.

- :mod:`grading.review.sessions`: create, list, load and resume sessions; record decisions, notes and grades.
- :mod:`grading.review.selection`: which clients a session walks, and in what order.
- :mod:`grading.review.playbook`: the lift playbook's steps and the weak criteria each addresses.
- :mod:`grading.review.lift_plans`: for each B-D client, its weakest criteria, the steps that address them and
  the grade if the plan worked.
- :mod:`grading.review.summary`: the session's summary and its Markdown and CSV exports.
"""

from grading.errors import ClientGradeError


class ReviewError(ClientGradeError):
    """A review session or decision cannot be saved as given; the message says what to change."""
