"""Labels of the privacy domain's values: job states, computations, what a job reveals.
(Written out value by value so that `pybabel extract` sees every message.)"""

from __future__ import annotations

from govbridge.web.translations import N_, NC_, Labels

PRIVACY_STATE: Labels = {
    "proposed": N_("Awaiting approvals"),
    "approved": NC_("privacy job", "Approved by every party"),
    "refused": NC_("privacy job", "Refused"),
    "running": N_("Running"),
    "completed": NC_("privacy job", "Completed"),
    "suppressed": N_("Suppressed (small group)"),
    "failed": N_("Ended without a result"),
}

COMPUTATION: Labels = {
    "psi.count": N_("Private set intersection: size"),
    "psi.intersection": N_("Private set intersection: members"),
    "psi.sum": N_("Private set intersection with a sum"),
    "aggregate.count": N_("Secure aggregation: count"),
    "aggregate.sum": N_("Secure aggregation: sum"),
    "aggregate.mean": N_("Secure aggregation: mean"),
    "aggregate.histogram": N_("Secure aggregation: histogram"),
    "federated.logistic": N_("Federated learning: logistic regression"),
    "federated.svm": N_("Federated learning: linear SVM"),
}

REVEALED: Labels = {
    "intersection_size": N_("The size of the intersection"),
    "intersection": N_("Which of the receiver's own subjects are in the intersection"),
    "intersection_sum": N_("The sum over the intersection of the other side's field"),
    "count": N_("The total count"),
    "sum": N_("The total sum of the field"),
    "mean": N_("The mean of the field"),
    "bins": N_("The count per bin of the field (small bins suppressed)"),
    "model": N_("The trained model"),
    "rounds": N_("The training rounds"),
    "metrics": N_("Its metrics on each party's held-out data"),
}

DECISION: Labels = {
    "approve": NC_("privacy decision", "Approved"),
    "refuse": NC_("privacy decision", "Refused"),
}
