from decimal import Decimal

import factory

from allocations.models import CapacityPool, Centre, CentreMembership, Partition
from allocations.units import Unit

from .portal import UserFactory


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ("short_name",)

    name = factory.Sequence(lambda n: f"Supercomputing Centre {n}")
    short_name = factory.Sequence(lambda n: f"SC{n}")
    city = "Barcelona"
    country = "ES"


def enable_totp(user) -> None:
    """Staff roles must have TOTP before they reach staff pages; give the user an authenticator."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}}
    )


class CentreMembershipFactory(factory.django.DjangoModelFactory):
    """Centre staff, with TOTP enabled (staff must have it) unless mfa=False is passed."""

    class Meta:
        model = CentreMembership
        skip_postgeneration_save = True

    centre = factory.SubFactory(CentreFactory)
    user = factory.SubFactory(UserFactory)
    role = CentreMembership.Role.TECHNICAL_ASSESSOR

    class Params:
        administrator = factory.Trait(role=CentreMembership.Role.CENTRE_ADMINISTRATOR)

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        if create and extracted is not False:
            enable_totp(self.user)


class PartitionFactory(factory.django.DjangoModelFactory):
    """A GPU partition shaped like MareNostrum 5 ACC (4x H100 per node) unless told otherwise."""

    class Meta:
        model = Partition

    centre = factory.SubFactory(CentreFactory)
    system_name = factory.Sequence(lambda n: f"System {n}")
    name = "GPU"
    kind = Partition.Kind.GPU
    accelerator_model = "NVIDIA H100 64 GB"
    accelerators_per_node = 4
    devices_per_accelerator = 1
    accelerator_memory_gb = 64
    cores_per_node = 80
    nodes = 1120
    unit = Unit.GPU_HOURS
    sustained_tflops_per_accelerator = Decimal("400.0")

    class Params:
        cpu = factory.Trait(
            kind=Partition.Kind.CPU,
            accelerator_model="",
            accelerators_per_node=0,
            accelerator_memory_gb=0,
            cores_per_node=112,
            unit=Unit.CORE_HOURS,
            sustained_tflops_per_accelerator=Decimal("0"),
        )


class CapacityPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapacityPool

    partition = factory.SubFactory(PartitionFactory)
    label = factory.Sequence(lambda n: f"Pool {n}")
    hours = Decimal("1000000")
