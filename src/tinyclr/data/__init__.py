"""Data stages: fetch the Tiny ImageNet zip and decode it into arrays."""
