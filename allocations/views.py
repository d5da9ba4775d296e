"""Centre pages: the public catalogue, partition editing and the capacity workspace of the
centre's administrators."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from portal.auth import login_required

from . import selectors, services
from .forms import PartitionForm
from .models import Centre, Partition


def centre_list(request):
    centres = list(selectors.centres_with_partitions())
    return render(
        request,
        "allocations/centre_list.html",
        {
            "centres": centres,
            # Centre staff find their own centre's page first.
            "my_centres": selectors.centre_roles_of(user=request.user, centres=centres),
        },
    )


def centre_detail(request, pk: int):
    try:
        centre = selectors.centre_get(pk=pk)
    except Centre.DoesNotExist:
        raise Http404("No such centre.") from None
    user = request.user
    can_see_pools = user.has_perm("allocations.view_capacitypool", centre)
    return render(
        request,
        "allocations/centre_detail.html",
        {
            "centre": centre,
            "partitions": centre.partitions.all(),
            "can_edit": user.has_perm("allocations.change_partition", centre),
            "capacity": selectors.centre_capacity(centre=centre) if can_see_pools else None,
        },
    )


@login_required
def capacity(request):
    """The centre administrator's workspace: the pools of the centres they administer, with the
    hours requested, reserved, active and free."""
    centres = list(selectors.centres_administered_by(user=request.user))
    if not centres:
        raise Http404("You do not administer a hosting centre.")
    return render(
        request,
        "allocations/capacity.html",
        {"centres": selectors.centres_capacity(centres=centres)},
    )


@login_required
def partition_edit(request, centre_pk: int, pk: int):
    try:
        partition = selectors.partition_get(centre_pk=centre_pk, pk=pk)
    except Partition.DoesNotExist:
        raise Http404("No such partition.") from None
    # Someone else's partition is answered like a missing one.
    if not request.user.has_perm("allocations.change_partition", partition):
        raise Http404("No such partition.")
    form = PartitionForm(request.POST or None, instance=partition)
    if request.method == "POST" and form.is_valid():
        name = f"{partition.system_name} {partition.name}"
        try:
            changed = services.partition_update(
                partition=partition, by=request.user, **form.facts()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied:
            raise Http404("No such partition.") from None
        else:
            if changed:
                messages.success(request, f"{name} was saved.")
            else:
                messages.info(request, f"Nothing was changed on {name}.")
            return redirect("allocations:centre_detail", pk=partition.centre_id)
    return render(
        request,
        "allocations/partition_form.html",
        {"form": form, "partition": partition, "centre": partition.centre},
    )
